export { seededRandom } from '../../../protocol/test/support/random.js';
