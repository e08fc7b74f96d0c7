import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { UsageIncrement } from '#contracts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmOptions {
  baseUrl: string;
  apiKey: string;
  model: string;
}

interface ChatChunk {
  model?: string;
  choices?: { delta?: { content?: string | null } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } } | null;
}

/**
 * Streams a chat completion from an OpenAI-compatible endpoint (`POST {base}/chat/completions` with
 * `stream: true`), calling `onText` per token chunk; resolves with the usage the server reported.
 */
export async function streamChat(
  llm: LlmOptions,
  messages: ChatMessage[],
  onText: (text: string) => void,
  signal: AbortSignal,
): Promise<Partial<UsageIncrement>> {
  const response = await fetch(`${llm.baseUrl.replace(/\/$/, '')}/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(llm.apiKey ? { authorization: `Bearer ${llm.apiKey}` } : {}),
    },
    body: JSON.stringify({ model: llm.model, messages, stream: true, stream_options: { include_usage: true } }),
    signal,
  });
  if (!response.ok || !response.body) throw new Error(`LLM request failed: HTTP ${response.status}`);
  const usage: Partial<UsageIncrement> = { model: llm.model };
  const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  for await (const event of events) {
    if (event.data === '[DONE]') break;
    const chunk = JSON.parse(event.data) as ChatChunk;
    const text = chunk.choices?.[0]?.delta?.content;
    if (text) onText(text);
    if (chunk.model) usage.model = chunk.model;
    if (chunk.usage) {
      usage.inputTokens = chunk.usage.prompt_tokens ?? 0;
      usage.outputTokens = chunk.usage.completion_tokens ?? 0;
      usage.cachedInputTokens = chunk.usage.prompt_tokens_details?.cached_tokens ?? 0;
    }
  }
  return usage;
}
