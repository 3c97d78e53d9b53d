import { NotDeployed } from "../ui";

export function EnrollmentsPage() {
  return <NotDeployed service="enrollment" />;
}
