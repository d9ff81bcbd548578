//! The App's side of the layer stack: offering keys, pasted text and backend events to the
//! layers from the top down, and folding events into the event log.

use super::{App, with_ctx};
use crate::backend::BackendEvent;
use crate::ui::layer::Flow;

impl App {
    /// Whether a popup or prompt is open over the main screen.
    pub fn has_popup(&self) -> bool {
        !self.layers.is_empty()
    }

    /// Every layer sees every backend event (a view keeps its own rows current).
    pub(super) fn layers_backend(&mut self, ev: &BackendEvent) {
        if self.layers.is_empty() {
            return;
        }
        let mut layers = std::mem::take(&mut self.layers);
        with_ctx!(self, |cx| {
            for layer in &mut layers {
                layer.on_backend(ev, &mut cx);
            }
        });
        // Effects may have pushed layers: they go above the ones that were there.
        layers.append(&mut self.layers);
        self.layers = layers;
        self.dirty = true;
    }

    /// libvirt events go into the bounded event log (the events view).
    pub(super) fn fold_event_log(&mut self, ev: &BackendEvent) {
        if let Some(entry) =
            crate::state::event_entry::EventEntry::from_backend(ev, std::time::SystemTime::now())
        {
            self.store.events.push(entry);
            self.dirty = true;
        }
    }

    /// Offers a key to the layers from the top down; true when one of them took it.
    pub(super) fn layers_key(&mut self, k: &crossterm::event::KeyEvent) -> bool {
        self.layers_key_from(k, 0)
    }

    /// [`Self::layers_key`] over the layers from index `floor` up only.
    pub(super) fn layers_key_from(&mut self, k: &crossterm::event::KeyEvent, floor: usize) -> bool {
        let mut i = self.layers.len();
        while i > floor {
            i -= 1;
            let mut layer = self.layers.remove(i);
            let flow = with_ctx!(self, |cx| layer.on_key(k, &mut cx));
            if flow != Flow::Close {
                // Effects may have pushed layers above it: keep it at its own place.
                self.layers.insert(i, layer);
            }
            if flow != Flow::Ignored {
                return true;
            }
        }
        false
    }

    /// Offers pasted text to the top layer; true when it took it.
    pub(super) fn layers_paste(&mut self, text: &str) -> bool {
        let Some(mut layer) = self.layers.pop() else {
            return false;
        };
        let n = self.layers.len();
        let flow = with_ctx!(self, |cx| layer.on_paste(text, &mut cx));
        if flow != Flow::Close {
            self.layers.insert(n, layer);
        }
        flow != Flow::Ignored
    }

    /// The first layer over the open XML editor: the full-screen view it was opened from
    /// (a network's or pool's) and anything under that lie below it, covered.
    pub(super) fn editor_layers_from(&self) -> usize {
        self.layers
            .iter()
            .rposition(|l| l.fullscreen())
            .map_or(0, |i| i + 1)
    }
}
