/**
 * `rag mcp`: a Model Context Protocol server over stdio, on the official SDK's low-level
 * Server (loaded only by this command). Each tool has a strict zod input schema, listed
 * as JSON Schema and checked here rather than by the SDK, so that an unknown or mistyped
 * parameter is a tool error in rag's one-line form, like every other failure; the
 * server keeps serving. stdout carries protocol messages only.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Readable, Writable } from 'node:stream';
import * as z from 'zod';
import type { Context } from '../context.js';
import { RagError, describeError } from '../errors.js';
import { VERSION } from '../quick-answers.cjs';
import { GET_MAX_CHARS, GET_MAX_LINES } from './files.js';
import { askTool, getTool, indexTool, searchTool, statusTool } from './tools.js';

export interface McpOptions {
  /** Adds the `index` tool, which writes to the index. */
  allowIndex: boolean;
}

interface ToolSpec {
  name: string;
  description: string;
  input: z.ZodObject;
  annotations: Tool['annotations'];
  run: (ctx: Context, args: never) => Promise<object>;
}

/** Ties a tool's function to its schema, so that its arguments are typed by the schema. */
function tool<S extends z.ZodObject>(spec: { name: string; description: string; input: S; annotations: Tool['annotations']; run: (ctx: Context, args: z.output<S>) => Promise<object> }): ToolSpec {
  return spec as unknown as ToolSpec;
}

const k = z.number().int().min(1).max(100).optional().describe('how many passages (default 6)');
const READ_ONLY = { readOnlyHint: true, openWorldHint: false } as const;

/** The tools, in the order tools/list shows them. Strict objects: an unknown parameter is an error. */
export function toolSpecs(options: McpOptions): ToolSpec[] {
  const tools = [
    tool({
      name: 'search',
      description: 'Search the indexed documents (vector and full-text search, fused) and return the best passages, best first, with path, line range, heading breadcrumb, score and text. Needs no chat model.',
      input: z.strictObject({
        query: z.string().min(1).describe('what to look for, in words'),
        k,
        path_prefix: z.string().optional().describe("only files whose indexed path starts with this, e.g. 'docs/'"),
      }),
      annotations: READ_ONLY,
      run: searchTool,
    }),
    tool({
      name: 'get',
      description: `Read an indexed file, or a line range of it. Only files in the index can be read, by the path search results give (relative to the index root). At most ${GET_MAX_LINES} lines or ${GET_MAX_CHARS} characters come back; 'truncated' says to ask again from end_line + 1.`,
      input: z.strictObject({
        path: z.string().min(1).describe('an indexed path, as in search results'),
        start_line: z.number().int().min(1).optional().describe('first line (1-based, default 1)'),
        end_line: z.number().int().min(1).optional().describe('last line, inclusive (default: the end)'),
      }),
      annotations: READ_ONLY,
      run: getTool,
    }),
    tool({
      name: 'ask',
      description: "Answer a question from the indexed documents with the local chat model. Returns the answer, whether the documents contained it ('found'), the citation numbers it used and the passages it was given (each marked 'cited'). Slower than search: it runs a chat model.",
      input: z.strictObject({ question: z.string().min(1).describe('the question'), k }),
      annotations: READ_ONLY,
      run: askTool,
    }),
    tool({
      name: 'status',
      description: 'Where the index is and what it holds (files, passages, embedding model, last update), and whether Ollama and the needed models are ready: the same document as `rag status --json`.',
      input: z.strictObject({}),
      annotations: READ_ONLY,
      run: statusTool,
    }),
  ];
  if (options.allowIndex) {
    tools.push(tool({
      name: 'index',
      description: "Add or update files in the index, like `rag index`: paths relative to the index root (default: the whole root). Takes the index's writer lock; fails if another writer holds it.",
      input: z.strictObject({ paths: z.array(z.string().min(1)).optional().describe('files or folders under the index root') }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      run: indexTool,
    }));
  }
  return tools;
}

/** A tool's result as MCP wants it: structured, plus the same JSON as text for clients that read only text. */
function toolResult(value: object): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: value as Record<string, unknown> };
}

function toolError(err: unknown, ctx: Context): CallToolResult {
  const rag = err instanceof RagError ? err : undefined;
  const text = rag ? describeError(rag) : `Unexpected error: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  // The agent gets the one line; the person who started the server gets details when asked.
  if (ctx.verbose) ctx.io.stderr.write(`rag mcp: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return { content: [{ type: 'text', text: `rag: ${text}` }], isError: true };
}

/** zod's issues as one clause: `unknown parameter 'limit'; 'k': expected number, received string`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown parameter${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `'${key}'`).join(', ')}`;
      const where = issue.path.length > 0 ? `'${issue.path.join('.')}': ` : '';
      return `${where}${issue.message.replace(/^Invalid input: /, '').replace(/^./, (c) => c.toLowerCase())}`;
    })
    .join('; ');
}

function inputSchema(schema: z.ZodObject): Tool['inputSchema'] {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: 'input' });
  return json as Tool['inputSchema'];
}

async function callTool(ctx: Context, tools: ToolSpec[], name: string, args: unknown): Promise<CallToolResult> {
  const spec = tools.find((t) => t.name === name);
  if (!spec) {
    return toolError(new RagError('usage', `Unknown tool '${name}'`, `the tools are ${tools.map((t) => t.name).join(', ')}`), ctx);
  }
  const parsed = spec.input.safeParse(args ?? {});
  if (!parsed.success) {
    const params = Object.keys(spec.input.shape);
    const takes = params.length > 0 ? `${name} takes ${params.join(', ')}` : `${name} takes no parameters`;
    return toolError(new RagError('usage', `Invalid arguments for ${name}: ${describeIssues(parsed.error.issues)}`, takes), ctx);
  }
  try {
    return toolResult(await spec.run(ctx, parsed.data as never));
  } catch (err) {
    return toolError(err, ctx);
  }
}

export function createServer(ctx: Context, options: McpOptions): Server {
  const tools = toolSpecs(options);
  const server = new Server({ name: 'rag', version: VERSION }, { capabilities: { tools: {} } });
  // A line that is not JSON-RPC gets no answer (it has no id to answer); the log says why.
  server.onerror = (err) => void ctx.io.stderr.write(`rag mcp: ${err.message.split('\n')[0]}\n`);
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: tools.map((t) => ({ name: t.name, description: t.description, inputSchema: inputSchema(t.input), annotations: t.annotations })),
  }));
  // Every failure, bad arguments and unknown tools included, is a tool result with isError: the agent reads rag's line.
  server.setRequestHandler(CallToolRequestSchema, (request) => callTool(ctx, tools, request.params.name, request.params.arguments));
  return server;
}

/** Serves until the client closes stdin (or the process is told to stop). */
export async function serveStdio(ctx: Context, options: McpOptions): Promise<void> {
  const server = createServer(ctx, options);
  const transport = new StdioServerTransport(ctx.io.stdin as Readable, ctx.io.stdout as Writable);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    ctx.io.stdin.once('end', () => void server.close());
    ctx.signal.addEventListener('abort', () => void server.close(), { once: true });
  });
  await server.connect(transport);
  if (!ctx.quiet) ctx.io.stderr.write(`rag mcp: serving ${ctx.index.dir} over stdio${options.allowIndex ? ' (index tool enabled)' : ''}\n`);
  await closed;
}
