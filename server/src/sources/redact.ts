/**
 * Keeps secrets of SOURCE URLs out of logs, the API and error messages: user:password@, SRT
 * passphrase= and streamid=, key=/token= query values, and the stream key of an RTMP listener
 * (the last path segment of rtmp://…/app/KEY?listen=1).
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/\/\/[^/@\s]*@/g, '//***@')
    .replace(/([?&](?:passphrase|streamid|key|token|pass|password)=)[^&\s]*/gi, '$1***')
    .replace(/(-listen 1 -i rtmps?:\/\/\S*\/)[^/\s?]+/g, '$1***')
    .replace(/(Unexpected stream )\S+(, expecting )\S+/g, '$1***$2***')
    .replace(/(rtmps?:\/\/[^\s?]*\/)[^/\s?]+(\?(?:[^\s]*&)?listen(?:=1)?(?:&|\s|$))/gi, '$1***$2');
}
