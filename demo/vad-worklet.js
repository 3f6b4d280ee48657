// Runs on the audio thread: hands each 128-sample render quantum of the first input channel to the page, which
// collects them into chunks for model.stream(). Plain JS: an AudioWorklet module is loaded by URL, not bundled.
class Tap extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0]?.[0];
    if (channel) this.port.postMessage(channel.slice());
    return true;
  }
}
registerProcessor('edge-infer-tap', Tap);
