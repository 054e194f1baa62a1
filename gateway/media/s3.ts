/**
 * Media in any S3-compatible store, through the AWS SDK. Uploads stream as a multipart upload
 * (lib-storage's `Upload`: parts of 5 MiB, one in flight, so memory per upload stays a few MiB
 * whatever the file's size) that is aborted when the input stream fails or the store does, so
 * no half object is ever visible. (A store that dies before it can take the abort may keep the
 * orphaned parts: a bucket lifecycle rule for incomplete multipart uploads removes those.)
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { type ByteRange, checkKey, type MediaStorage } from "./storage.ts";

export interface S3Options {
  bucket: string;
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
}

const PART_BYTES = 5 * 1024 * 1024;

export class S3Storage implements MediaStorage {
  readonly client: S3Client;

  constructor(private readonly opts: S3Options) {
    this.client = new S3Client({
      region: opts.region,
      endpoint: opts.endpoint || undefined,
      forcePathStyle: opts.forcePathStyle,
      credentials: opts.accessKeyId
        ? { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey ?? "" }
        : undefined,
      // A store that is down must fail the request, not hold the upload for minutes.
      maxAttempts: 2,
    });
  }

  async put(key: string, body: ReadableStream<Uint8Array>, contentType: string): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.opts.bucket,
        Key: checkKey(key),
        Body: body,
        ContentType: contentType,
      },
      partSize: PART_BYTES,
      queueSize: 1,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      await upload.abort().catch(() => {});
      // The input may still be open (the store failed first): release it.
      await body.cancel().catch(() => {});
      throw err;
    }
  }

  async get(key: string, range?: ByteRange): Promise<ReadableStream<Uint8Array> | null> {
    try {
      const r = await this.client.send(
        new GetObjectCommand({
          Bucket: this.opts.bucket,
          Key: checkKey(key),
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      return r.Body!.transformToWebStream() as ReadableStream<Uint8Array>;
    } catch (err) {
      if (err instanceof NoSuchKey) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(
      new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: checkKey(key) }),
    );
  }

  async list(): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const r = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.opts.bucket, ContinuationToken: token }),
      );
      for (const o of r.Contents ?? []) if (o.Key) out.push(o.Key);
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out.sort();
  }
}
