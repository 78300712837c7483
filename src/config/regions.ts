/**
 * AWS commercial regions that an organization can use, and whether each is an
 * opt-in region (disabled in a new account until enabled through the Account API).
 * Kept as data so validation works offline; update when AWS launches a region.
 */
export const REGIONS = {
  'us-east-1': { optIn: false },
  'us-east-2': { optIn: false },
  'us-west-1': { optIn: false },
  'us-west-2': { optIn: false },
  'ca-central-1': { optIn: false },
  'ca-west-1': { optIn: true },
  'mx-central-1': { optIn: true },
  'sa-east-1': { optIn: false },
  'eu-central-1': { optIn: false },
  'eu-central-2': { optIn: true },
  'eu-west-1': { optIn: false },
  'eu-west-2': { optIn: false },
  'eu-west-3': { optIn: false },
  'eu-south-1': { optIn: true },
  'eu-south-2': { optIn: true },
  'eu-north-1': { optIn: false },
  'il-central-1': { optIn: true },
  'me-south-1': { optIn: true },
  'me-central-1': { optIn: true },
  'af-south-1': { optIn: true },
  'ap-east-1': { optIn: true },
  'ap-east-2': { optIn: true },
  'ap-south-1': { optIn: false },
  'ap-south-2': { optIn: true },
  'ap-northeast-1': { optIn: false },
  'ap-northeast-2': { optIn: false },
  'ap-northeast-3': { optIn: false },
  'ap-southeast-1': { optIn: false },
  'ap-southeast-2': { optIn: false },
  'ap-southeast-3': { optIn: true },
  'ap-southeast-4': { optIn: true },
  'ap-southeast-5': { optIn: true },
  'ap-southeast-6': { optIn: true },
  'ap-southeast-7': { optIn: true },
} as const satisfies Record<string, { optIn: boolean }>;

export type RegionName = keyof typeof REGIONS;

export const REGION_NAMES = Object.keys(REGIONS) as [RegionName, ...RegionName[]];

export const OPT_IN_REGIONS = REGION_NAMES.filter((r) => REGIONS[r].optIn);

export function isOptInRegion(region: string): boolean {
  return (REGIONS as Record<string, { optIn: boolean }>)[region]?.optIn ?? false;
}
