/**
 * Registers `<framewire-player>`: the only module of the library with a side effect
 * (`import '@framewire/player/define'`). Guarded, so that the `<script>` build and an ES module
 * import on the same page, or a bundle loaded twice, do not throw "already defined".
 * Another name: `customElements.define('my-player', class extends FramewirePlayerElement {})`
 * (a constructor can be registered only once, hence the subclass).
 */
import { FramewirePlayerElement } from './framewire-player-element.js';

export const FRAMEWIRE_PLAYER_TAG = 'framewire-player';

declare global {
  interface HTMLElementTagNameMap {
    'framewire-player': FramewirePlayerElement;
  }
}

if (typeof customElements !== 'undefined' && !customElements.get(FRAMEWIRE_PLAYER_TAG)) {
  customElements.define(FRAMEWIRE_PLAYER_TAG, FramewirePlayerElement);
}

export { FramewirePlayerElement };
