/** `rag mcp`: the MCP server over stdio; the server and its tools are in mcp/. */
import type { Context } from '../context.js';

export interface McpCommandOptions {
  allowIndex: boolean;
}

export async function mcpCommand(opts: McpCommandOptions, ctx: Context): Promise<void> {
  // The SDK is loaded here only: no other command pays for it.
  const { serveStdio } = await import('../mcp/server.js');
  await serveStdio(ctx, { allowIndex: opts.allowIndex });
}
