import { NotDeployed } from "../ui";

export function CustomersPage() {
  return <NotDeployed service="crm" />;
}
