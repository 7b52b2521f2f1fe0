// Daily requests and bytes of a CloudFront site, from CloudWatch: the AWS/CloudFront metrics
// Requests and BytesDownloaded (Sum), dimensions DistributionId and Region=Global, which
// CloudFront publishes in us-east-1 only, read with GetMetricStatistics at a one-day period
// starting at Asia/Seoul midnight (15:00 UTC, hour-aligned as CloudWatch wants for long periods).
//
// CloudWatch counts per distribution, not per host name. WindWalker's CloudFront sites share one
// distribution (a router function maps Host → deployment prefix, see cloudfront.ts), so the
// distribution's figures are a site's only while it is the only site the router serves. With
// other sites on the distribution this refuses (CdnError 'unsupported') instead of splitting the
// figures by a guess: hosting overage is billed from these rows. Per-host figures need
// CloudFront's access logs; see docs/decisions/131-cdn-usage-sources.md.
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { CdnError } from '../errors.ts';
import { daysBetween, seoulDayWindow } from './cloudflare-usage.ts';
import type { RemoteSite } from './remote.ts';
import type { DailyUsage } from './types.ts';

export interface CloudFrontUsageConfig {
  accessKeyId: string;
  secretAccessKey: string;
  distributionId: string;
  /** CloudWatch endpoint (tests point it at the contract server); the AWS default unless set. */
  cloudWatchEndpoint?: string;
  maxAttempts?: number;
}

/** CloudFront's metrics live in us-east-1 whatever region the bucket is in. */
export const CLOUDFRONT_METRICS_REGION = 'us-east-1';

/** The site ids a router map serves (a route's prefix is sites/<siteId>/<deploymentId>). */
export function sitesInRoutes(routes: Record<string, string>): Set<string> {
  return new Set(Object.values(routes).map((prefix) => prefix.split('/')[1]).filter(Boolean));
}

export function createCloudFrontUsage(config: CloudFrontUsageConfig) {
  const client = new CloudWatchClient({
    region: CLOUDFRONT_METRICS_REGION,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    ...(config.cloudWatchEndpoint ? { endpoint: config.cloudWatchEndpoint } : {}),
    maxAttempts: config.maxAttempts ?? 5,
  });

  async function metric(name: 'Requests' | 'BytesDownloaded', from: string, to: string): Promise<Map<string, number>> {
    const answer = await client.send(new GetMetricStatisticsCommand({
      Namespace: 'AWS/CloudFront',
      MetricName: name,
      Dimensions: [{ Name: 'DistributionId', Value: config.distributionId }, { Name: 'Region', Value: 'Global' }],
      StartTime: new Date(seoulDayWindow(from).start),
      EndTime: new Date(seoulDayWindow(to).end),
      Period: 86_400,
      Statistics: ['Sum'],
    }));
    const byDay = new Map<string, number>();
    for (const point of answer.Datapoints ?? []) {
      if (!point.Timestamp || point.Sum === undefined) continue;
      // A bucket starting at 15:00 UTC is the Seoul day that starts then.
      const day = new Date(point.Timestamp.getTime() + 9 * 3_600_000).toISOString().slice(0, 10);
      byDay.set(day, (byDay.get(day) ?? 0) + Math.round(point.Sum));
    }
    return byDay;
  }

  return async function cloudFrontUsage(routes: Record<string, string>, site: RemoteSite, from: string, to: string): Promise<DailyUsage[]> {
    const others = [...sitesInRoutes(routes)].filter((id) => id !== site.siteId);
    if (others.length > 0) {
      throw new CdnError(
        'unsupported',
        `CloudFront 배포(${config.distributionId})를 다른 사이트 ${others.length}곳과 함께 쓰고 있어 CloudWatch 지표로는 이 사이트의 사용량을 따로 알 수 없습니다. 사이트별 사용량에는 CloudFront 접근 로그가 필요합니다.`,
      );
    }
    const [requests, bytes] = await Promise.all([metric('Requests', from, to), metric('BytesDownloaded', from, to)]);
    return daysBetween(from, to).map((day) => ({ day, requests: requests.get(day) ?? 0, bytes: bytes.get(day) ?? 0 }));
  };
}
