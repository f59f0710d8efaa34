// pages.* routes: open and transcribe a page, serve its bitmap, re-read edited boxes.
import { InvalidInputError, NotFoundError } from '../../core/errors.ts'
import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { RouteHandlers } from '../registry.ts'
import type { AppContext } from '../context.ts'
import type { PageSession } from '../../project/pageSessions.ts'
import { applyDecoderContext, userWords } from '../../read/docContext.ts'
import { defaultCharLm, lexicon } from '../../read/readLines.ts'

type Deps = Pick<AppContext, 'pages' | 'models' | 'settings' | 'sample' | 'userDataDir' | 'imageUrl' | 'onRecent'>

export class PageNotFoundError extends NotFoundError {
  override name = 'PageNotFoundError'
}

export function createPageRoutes(
  d: Deps
): Pick<
  RouteHandlers,
  'pages.openSample' | 'pages.open' | 'pages.openBytes' | 'pages.attach' | 'pages.image' | 'pages.recognize'
> {
  const open = async (path: string, model: string | undefined, remember: boolean, page?: number) => {
    const classifier = await d.models.classifier(model)
    const { session, doc, glyphs } = await d.pages.open(path, classifier, page)
    if (remember && !page) {
      await d.settings.addRecent(session.path)
      d.onRecent?.(session.path)
    }
    const { pages, warnings } = session.image
    return { pageId: session.pageId, doc, glyphs, warnings, ...(pages > 1 ? { pages } : {}) }
  }
  const session = (pageId: string): PageSession => {
    const s = d.pages.get(pageId)
    if (!s) throw new PageNotFoundError(`page ${pageId} is not open in this run; open it again`)
    return s
  }
  return {
    'pages.openSample': ({ model }) => open(d.sample, model, false),
    'pages.open': ({ path, model, page }) => open(path, model, true, page),
    'pages.openBytes': async ({ name, base64, model }) => {
      const bytes = Buffer.from(base64, 'base64')
      if (bytes.length === 0) throw new InvalidInputError('pages.openBytes: the file is empty')
      // Kept under the user data folder so saved projects can find the image again; a folder per content
      // keeps two uploads of the same name apart while the file keeps the person's own name.
      const dir = join(d.userDataDir, 'pages', createHash('sha256').update(bytes).digest('hex').slice(0, 12))
      await mkdir(dir, { recursive: true })
      const safe = basename(name).replace(/[^A-Za-z0-9._-]/g, '_')
      const path = join(dir, safe)
      await writeFile(path, bytes)
      return open(path, model, true)
    },
    'pages.attach': async ({ doc }) => {
      const s = await d.pages.attach(doc)
      return { pageId: s.pageId, glyphs: d.pages.previews(s, doc.boxes) }
    },
    'pages.image': async ({ pageId }) => ({ url: await d.imageUrl(session(pageId)) }),
    'pages.recognize': async ({ doc, boxIds, model }) => {
      const s = await d.pages.attach(doc)
      const wanted = new Set(boxIds)
      const boxes = doc.boxes.filter((b) => wanted.has(b.id))
      const missing = boxIds.filter((id) => !doc.boxes.some((b) => b.id === id))
      if (missing.length)
        throw new InvalidInputError(`pages.recognize: no box ${missing.slice(0, 5).join(', ')} in the document`)
      const classifier = await d.models.classifier(model ?? doc.model?.name)
      const predictions = await d.pages.recognize(s, boxes, classifier)
      // Read the re-read boxes in their words' context, as transcribe does for a whole page.
      const byId = new Map(predictions.map((p) => [p.id, p]))
      const edited = {
        ...doc,
        boxes: doc.boxes.map((b) => {
          const p = byId.get(b.id)
          return p ? { ...b, label: p.label, confidence: p.confidence, top3: p.top3 } : b
        })
      }
      const inContext = new Map(
        applyDecoderContext(edited, defaultCharLm(), { lexicon: lexicon(userWords([edited])) }).boxes.map((b) => [
          b.id,
          b
        ])
      )
      return {
        model: classifier.name,
        predictions: predictions.map((p) => {
          const b = inContext.get(p.id)!
          return { ...p, label: b.label ?? p.label, confidence: b.confidence ?? p.confidence }
        })
      }
    }
  }
}
