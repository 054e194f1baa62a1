/** The gateway's media module: HTTP routes and the storage the configuration names. */
import type { Config } from "@im/shared/config";
import { S3Storage } from "./s3.ts";
import { LocalStorage, type MediaStorage } from "./storage.ts";

export { type MediaDeps, mediaRoutes } from "./routes.ts";
export { LocalStorage, type MediaStorage } from "./storage.ts";
export { S3Storage } from "./s3.ts";

/** S3 when MEDIA_S3_BUCKET is set, else local disk under MEDIA_DIR. */
export function mediaStorage(config: Config): MediaStorage {
  if (!config.mediaS3Bucket) return new LocalStorage(config.mediaDir);
  return new S3Storage({
    bucket: config.mediaS3Bucket,
    endpoint: config.mediaS3Endpoint,
    region: config.mediaS3Region,
    accessKeyId: config.mediaS3AccessKey,
    secretAccessKey: config.mediaS3SecretKey,
    forcePathStyle: config.mediaS3PathStyle,
  });
}
