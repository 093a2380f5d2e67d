/** A point in the binlog: the file and the byte offset just after a committed transaction. */
export interface BinlogPosition {
  file: string;
  position: number;
}

function fileIndex(file: string): number {
  const m = /\.(\d+)$/.exec(file);
  return m ? Number(m[1]) : Number.NaN;
}

/** Orders two positions of the same server (binlog files are numbered `<base>.000001`, `.000002`…). */
export function comparePositions(a: BinlogPosition, b: BinlogPosition): number {
  if (a.file !== b.file) {
    const ia = fileIndex(a.file);
    const ib = fileIndex(b.file);
    if (Number.isNaN(ia) || Number.isNaN(ib)) return a.file < b.file ? -1 : 1;
    return ia - ib;
  }
  return a.position - b.position;
}

export function formatPosition(p: BinlogPosition): string {
  return `${p.file}:${p.position}`;
}
