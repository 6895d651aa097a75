import { protectedRoute } from './protected-route.ts';
import { notFound } from '../errors/app-error.ts';
import { errorResponses, jsonBody, jsonContent } from '../schemas/common.ts';
import {
  conversationIdParams,
  conversationSchema,
  createConversationBody,
  createdConversationSchema,
  historyListQuery,
  historyListSchema,
  renameConversationBody,
  toConversation,
  toConversationSummary,
} from '../schemas/history.ts';
import { z } from '@hono/zod-openapi';
import { routeGroup } from './route-group.ts';

const tags = ['History'];
const { 400: badRequest, 401: unauthorized, 403: forbidden, 404: missing, 415: notJson } = errorResponses;

export function historyRoutes() {
  return routeGroup()
    .openapi(
      protectedRoute({
        method: 'get',
        path: '/api/history',
        tags,
        summary: "List the caller's conversations, newest first",
        request: { query: historyListQuery },
        responses: {
          200: jsonContent(historyListSchema, 'A page of conversations'),
          400: badRequest,
          401: unauthorized,
          403: forbidden,
        },
      }),
      async (c) => {
        const { limit, offset } = c.req.valid('query');
        const { rows, total } = await c.var.services.store.list(c.var.caller.userId, limit, offset);
        return c.json({ conversations: rows.map(toConversationSummary), total, limit, offset }, 200);
      },
    )
    .openapi(
      protectedRoute({
        method: 'post',
        path: '/api/history',
        tags,
        summary: 'Create an empty conversation',
        request: { body: jsonBody(createConversationBody, false) },
        responses: {
          201: jsonContent(createdConversationSchema, 'The new conversation'),
          400: badRequest,
          401: unauthorized,
          403: forbidden,
          415: notJson,
        },
      }),
      async (c) => {
        const { store, now } = c.var.services;
        const { title } = c.req.valid('json');
        const row = await store.create({
          id: crypto.randomUUID(),
          ownerId: c.var.caller.userId,
          title: title ?? null,
          now: now().toISOString(),
        });
        return c.json({ ...toConversation(row, []), message_count: 0 }, 201);
      },
    )
    .openapi(
      protectedRoute({
        method: 'get',
        path: '/api/history/{id}',
        tags,
        summary: 'A conversation with all its messages',
        request: { params: conversationIdParams },
        responses: {
          200: jsonContent(conversationSchema, 'The conversation'),
          400: badRequest,
          401: unauthorized,
          403: forbidden,
          404: missing,
        },
      }),
      async (c) => {
        const { store } = c.var.services;
        const { id } = c.req.valid('param');
        const row = await store.get(c.var.caller.userId, id);
        if (!row) throw notFound('Conversation');
        return c.json(toConversation(row, await store.messagesOf(c.var.caller.userId, id)), 200);
      },
    )
    .openapi(
      protectedRoute({
        method: 'put',
        path: '/api/history/{id}',
        tags,
        summary: 'Rename a conversation',
        request: { params: conversationIdParams, body: jsonBody(renameConversationBody) },
        responses: {
          200: jsonContent(conversationSchema, 'The renamed conversation'),
          400: badRequest,
          401: unauthorized,
          403: forbidden,
          404: missing,
          415: notJson,
        },
      }),
      async (c) => {
        const { store, now } = c.var.services;
        const { id } = c.req.valid('param');
        const renamed = await store.rename(c.var.caller.userId, id, c.req.valid('json').title, now().toISOString());
        const row = renamed ? await store.get(c.var.caller.userId, id) : undefined;
        if (!row) throw notFound('Conversation');
        return c.json(toConversation(row, await store.messagesOf(c.var.caller.userId, id)), 200);
      },
    )
    .openapi(
      protectedRoute({
        method: 'delete',
        path: '/api/history/{id}',
        tags,
        summary: 'Delete a conversation and its messages',
        request: { params: conversationIdParams },
        responses: {
          200: jsonContent(z.object({ message: z.string() }), 'Deleted'),
          400: badRequest,
          401: unauthorized,
          403: forbidden,
          404: missing,
        },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        if (!(await c.var.services.store.delete(c.var.caller.userId, id))) throw notFound('Conversation');
        return c.json({ message: 'Conversation deleted successfully' }, 200);
      },
    );
}
