/**
 * The retention rule the sequencer's pruning must follow so that a history writer that fell behind can
 * still regenerate its events (see docs/history.md). Pure, so it is tested here and the sequencer can
 * apply exactly the same rule.
 *
 * Given the snapshot seqs on disk, how many newest the sequencer keeps for its own recovery, and the
 * lowest retainFrom() of the journal's late readers:
 * - keep the `keepNewest` newest snapshots, plus the newest snapshot with seq < retainFrom (the one a
 *   catch-up starts from);
 * - journal segments may go only if all their records are <= the oldest kept snapshot; if no snapshot is
 *   older than retainFrom, a catch-up must start from an empty engine, so no segment may go.
 */
export interface RetentionPlan {
  readonly keepSnapshots: number[];
  readonly deleteSnapshots: number[];
  /** pass to pruneSegments: every record <= coveredSeq may be deleted (0: delete nothing) */
  readonly coveredSeq: number;
}

export function retentionPlan(snapshotSeqs: readonly number[], keepNewest: number, retainFrom: number): RetentionPlan {
  const newestFirst = [...snapshotSeqs].sort((a, b) => b - a);
  const keep = new Set(newestFirst.slice(0, keepNewest));
  const hold = newestFirst.find((seq) => seq < retainFrom);
  if (hold !== undefined) keep.add(hold);
  const keepSnapshots = newestFirst.filter((seq) => keep.has(seq));
  const deleteSnapshots = newestFirst.filter((seq) => !keep.has(seq));
  let coveredSeq = keepSnapshots.length === 0 ? 0 : keepSnapshots[keepSnapshots.length - 1];
  if (hold === undefined && Number.isFinite(retainFrom)) coveredSeq = 0;
  return { keepSnapshots, deleteSnapshots, coveredSeq };
}
