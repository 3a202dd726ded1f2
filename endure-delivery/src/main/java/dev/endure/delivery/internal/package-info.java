/**
 * Parts of the delivery engine that are public only so that its other packages can reach them: the retry
 * step applied to an attempt, lease heartbeats, per-endpoint admission, id generation. Not an API: names
 * and signatures change without notice.
 */
package dev.endure.delivery.internal;
