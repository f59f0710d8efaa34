// A one-line progress bar for long CLI jobs (training epochs, downloads, data synthesis).
// On a terminal it redraws in place; otherwise (CI, pipes) it prints a line per completed unit.

export interface ProgressBar {
  update(done: number, detail?: string): void
  finish(detail?: string): void
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--'
  if (s < 60) return `${s.toFixed(0)}s`
  const m = Math.floor(s / 60)
  return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`
}

export function createProgressBar(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr
): ProgressBar {
  const start = Date.now()
  const tty = Boolean(stream.isTTY)
  let lastLine = ''
  const render = (done: number, detail = ''): string => {
    const frac = total > 0 ? Math.min(1, done / total) : 1
    const width = 24
    const fill = Math.round(frac * width)
    const elapsed = (Date.now() - start) / 1000
    const eta = done > 0 ? (elapsed / done) * (total - done) : NaN
    const shown = Number.isInteger(done) ? String(done) : done.toFixed(1)
    return `${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${shown}/${total} ${detail} ETA ${formatSeconds(eta)}`
  }
  return {
    update(done, detail) {
      const line = render(done, detail)
      if (tty) stream.write(`\r${line.padEnd(lastLine.length)}`)
      // Off a terminal (logs, CI) only completed units get a line; in-between redraws would flood the log.
      else if (Number.isInteger(done)) stream.write(`${line}\n`)
      else return
      lastLine = line
    },
    finish(detail) {
      const line = `${label} done in ${formatSeconds((Date.now() - start) / 1000)} ${detail ?? ''}`
      stream.write(tty ? `\r${line.padEnd(lastLine.length)}\n` : `${line}\n`)
    }
  }
}
