/** Media storage, upload limits, and the rules of rich messages (edits, custom payloads). */
import { field, type FieldSpec } from "../spec.ts";

const MiB = 1024 * 1024;

export const mediaFields = {
  mediaDir: field(
    "MEDIA_DIR",
    "string",
    "data/media",
    "Local media store (when MEDIA_S3_BUCKET is empty); with S3, only images being processed are spooled here.",
  ),
  mediaS3Bucket: field(
    "MEDIA_S3_BUCKET",
    "string",
    "",
    "S3 bucket for media; empty keeps media on local disk in MEDIA_DIR.",
  ),
  mediaS3Endpoint: field(
    "MEDIA_S3_ENDPOINT",
    "string",
    "",
    "S3-compatible endpoint URL (MinIO, Ceph, R2, ...); empty means AWS.",
  ),
  mediaS3Region: field("MEDIA_S3_REGION", "string", "us-east-1", "S3 region."),
  mediaS3AccessKey: field("MEDIA_S3_ACCESS_KEY", "string", "", "S3 access key id."),
  mediaS3SecretKey: field("MEDIA_S3_SECRET_KEY", "string", "", "S3 secret access key.", {
    secret: true,
  }),
  mediaS3PathStyle: field(
    "MEDIA_S3_PATH_STYLE",
    "bool",
    "true",
    "Address the bucket in the path (MinIO and most self-hosted stores) rather than the host name.",
  ),
  mediaMaxImageBytes: field(
    "MEDIA_MAX_IMAGE_BYTES",
    "int",
    String(20 * MiB),
    "Largest image upload.",
    { min: 1 },
  ),
  mediaMaxVoiceBytes: field(
    "MEDIA_MAX_VOICE_BYTES",
    "int",
    String(10 * MiB),
    "Largest voice note upload.",
    { min: 1 },
  ),
  mediaMaxVideoBytes: field(
    "MEDIA_MAX_VIDEO_BYTES",
    "int",
    String(200 * MiB),
    "Largest video upload.",
    { min: 1 },
  ),
  mediaMaxFileBytes: field(
    "MEDIA_MAX_FILE_BYTES",
    "int",
    String(100 * MiB),
    "Largest file upload.",
    { min: 1 },
  ),
  mediaMaxImagePixels: field(
    "MEDIA_MAX_IMAGE_PIXELS",
    "int",
    "50000000",
    "Largest image (width × height) accepted; more is refused before decoding (image bombs).",
    { min: 1 },
  ),
  mediaMaxVoiceSec: field(
    "MEDIA_MAX_VOICE_SEC",
    "int",
    "900",
    "Longest voice note, as the client states it.",
    { min: 1 },
  ),
  mediaMaxVideoSec: field(
    "MEDIA_MAX_VIDEO_SEC",
    "int",
    "3600",
    "Longest video, as the client states it.",
    { min: 1 },
  ),
  mediaThumbPx: field(
    "MEDIA_THUMB_PX",
    "int",
    "320",
    "Longest side of the thumbnails made for images.",
    { min: 16, max: 2048 },
  ),
  mediaLinkTtlSec: field(
    "MEDIA_LINK_TTL_SEC",
    "int",
    "300",
    "Lifetime of a signed media link.",
    { min: 1 },
  ),
  editWindowSec: field(
    "EDIT_WINDOW_SEC",
    "int",
    "900",
    "How long after sending a message may be edited.",
    { min: 0 },
  ),
  maxCustomPayloadBytes: field(
    "MAX_CUSTOM_PAYLOAD_BYTES",
    "int",
    "8192",
    "Largest JSON payload of a custom message, in UTF-8 bytes.",
    { min: 2, max: 60000 },
  ),
  maxReactionsPerUser: field(
    "MAX_REACTIONS_PER_USER",
    "int",
    "20",
    "Distinct emoji one user may put on one message.",
    { min: 1 },
  ),
} as const satisfies Record<string, FieldSpec>;
