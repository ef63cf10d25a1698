/**
 * An HTTP response written straight to a socket that Node's HTTP server has handed over (an
 * upgrade request we refuse before any WebSocket exists), then the connection is ended.
 */
export function httpRefusal(status: number, statusText: string, body: string): string {
  const text = `${body}\n`;
  return (
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
    `Cache-Control: no-store\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`
  );
}
