// All route handlers from their factories, in one registry: the only place a route is wired.
import type { AppContext } from './context.ts'
import { createRegistry, type Registry, type RouteHandlers } from './registry.ts'
import { createAppRoutes } from './routes/app.ts'
import { createExportRoutes } from './routes/export.ts'
import { createInterchangeRoutes } from './routes/interchange.ts'
import { createLabRoutes } from './routes/lab.ts'
import { createModelRoutes } from './routes/models.ts'
import { createPageRoutes } from './routes/pages.ts'
import { createProjectRoutes } from './routes/project.ts'
import { createTrainRoutes } from './routes/train.ts'

export function createRoutes(ctx: AppContext): RouteHandlers {
  return {
    ...createAppRoutes(ctx),
    ...createPageRoutes(ctx),
    ...createInterchangeRoutes(ctx),
    ...createModelRoutes(ctx),
    ...createTrainRoutes(ctx),
    ...createExportRoutes(ctx),
    ...createProjectRoutes(ctx),
    ...createLabRoutes(ctx)
  }
}

export function createAppRegistry(ctx: AppContext): Registry {
  return createRegistry(createRoutes(ctx), {
    onError: (route, err) => console.error(`glyphdesk: route ${route} failed:`, err)
  })
}
