import { IConstruct } from 'constructs';
import { fail, show } from './errors';

// [registry[:port]/]path[:tag][@sha256:digest], path components lowercase. As in Docker's
// reference grammar, a first component is a registry host only if it has a "." or a port,
// or is "localhost"; otherwise it is part of the (lowercase) path.
const REFERENCE =
  /^((?:(?:[a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+(?::[0-9]+)?|[a-zA-Z0-9-]+:[0-9]+|localhost)\/)?([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/;

/**
 * Throws unless `image` is a valid reference pinned to a tag other than `latest` or to a
 * digest (an unpinned image makes a re-sync pull different code).
 */
export function validateImage(scope: IConstruct, what: string, image: string): string {
  const m = typeof image === 'string' ? REFERENCE.exec(image) : null;
  if (!m) fail(scope, `${what} is not a valid image reference, got ${show(image)}`);
  const tag = m[3];
  const digest = m[4];
  if (!tag && !digest) fail(scope, `${what} must be pinned to a tag or digest (e.g. "${image}:1.0.0"), got ${show(image)}`);
  if (tag === 'latest' && !digest) fail(scope, `${what} must not use the "latest" tag (pin a version or digest), got ${show(image)}`);
  return image;
}
