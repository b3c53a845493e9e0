/**
 * WebRTC as far as Node goes (it has none): a peer connection whose offer fails, as one with no
 * network path to its peer would. Enough for a host to start a guest's connection and give it up.
 */
export class FailingPeer {
  createDataChannel() {
    return {};
  }
  createOffer() {
    return Promise.reject(new Error('no route'));
  }
  close() {}
}
