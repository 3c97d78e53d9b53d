import { NotDeployed } from "../ui";

export function MarketingPage() {
  return <NotDeployed service="marketing" />;
}
