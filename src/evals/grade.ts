import type { GradeResult } from './types.js';

type Extra = Partial<Omit<GradeResult, 'name' | 'status' | 'reason'>>;

/** A passed grade (score 1 unless given). */
export function passed(name: string, reason: string, extra: Extra = {}): GradeResult {
  return { name, status: 'passed', reason, score: 1, threshold: 1, label: 'pass', ...extra, evidence: extra.evidence ?? [], metadata: extra.metadata ?? {} };
}

/** A failed grade (score 0 unless given). */
export function failed(name: string, reason: string, extra: Extra = {}): GradeResult {
  return { name, status: 'failed', reason, score: 0, threshold: 1, label: 'fail', ...extra, evidence: extra.evidence ?? [], metadata: extra.metadata ?? {} };
}

/** A skipped grade: the expectation it reads is absent, so it says nothing about the case. */
export function skipped(name: string, reason: string): GradeResult {
  return { name, status: 'skipped', reason, evidence: [], metadata: {} };
}

/** Passed or failed with the same reason and metadata. */
export function verdict(ok: boolean, name: string, reason: string, extra: Extra = {}): GradeResult {
  return ok ? passed(name, reason, extra) : failed(name, reason, extra);
}
