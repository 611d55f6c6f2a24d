import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { showControls } from '../../src/render/controls.js';

describe('showControls', () => {
  const cases: { name: string; text: string; shown: string; singleLine?: string }[] = [
    { name: 'plain text and Unicode pass through', text: 'naïve 日本語 — ok 🙂', shown: 'naïve 日本語 — ok 🙂' },
    { name: 'ESC in caret notation', text: 'a\u001b[2Jb', shown: 'a^[[2Jb' },
    { name: 'an OSC window title with BEL', text: '\u001b]0;HIJACK\u0007', shown: '^[]0;HIJACK^G' },
    { name: 'an OSC-8 hyperlink', text: '\u001b]8;;http://evil\u001b\\click\u001b]8;;\u001b\\', shown: '^[]8;;http://evil^[\\click^[]8;;^[\\' },
    { name: 'carriage return and backspace', text: 'safe\rEVIL\bX', shown: 'safe^MEVIL^HX' },
    { name: 'NUL and DEL', text: '\u0000\u007f', shown: '^@^?' },
    { name: 'C1 controls, including the one-character CSI', text: '\u009b31m\u0085\u0090', shown: '<U+009B>31m<U+0085><U+0090>' },
    { name: 'bidi overrides and isolates', text: 'a\u202eb\u2066c\u2069', shown: 'a<U+202E>b<U+2066>c<U+2069>' },
    { name: 'line and paragraph separators', text: 'a\u2028b\u2029', shown: 'a<U+2028>b<U+2029>' },
    { name: 'tab stays', text: 'a\tb', shown: 'a\tb' },
    { name: 'newline stays, unless single-line', text: 'a\nb', shown: 'a\nb', singleLine: 'a^Jb' },
    { name: 'vertical tab and form feed', text: '\u000b\u000c', shown: '^K^L' },
  ];
  for (const { name, text, shown, singleLine } of cases) {
    it(name, () => {
      assert.equal(showControls(text), shown);
      assert.equal(showControls(text, { singleLine: true }), singleLine ?? shown);
    });
  }

  it('leaves no control character but tab and newline in any input', () => {
    let all = '';
    for (let c = 0; c < 0x3000; c++) all += String.fromCharCode(c);
    const shown = showControls(all);
    assert.doesNotMatch(shown, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/);
    assert.doesNotMatch(showControls(all, { singleLine: true }), /\n/);
  });
});
