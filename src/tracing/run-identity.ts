/** The run metadata of the first-class trace options (`userId`, `sessionId`, `release`) merged under `metadata`. */
export function identityMetadata(options: { userId?: unknown; sessionId?: unknown; release?: unknown; metadata?: unknown }): unknown {
  const { userId, sessionId, release, metadata } = options;
  if (userId === undefined && sessionId === undefined && release === undefined) return metadata;
  const identity: Record<string, unknown> = {};
  if (typeof userId === 'string') identity.user_id = userId;
  if (typeof sessionId === 'string') {
    identity.session_id = sessionId;
    identity.conversation_id = sessionId;
  }
  if (typeof release === 'string') identity.release = release;
  return metadata !== null && typeof metadata === 'object' ? { ...identity, ...metadata } : identity;
}
