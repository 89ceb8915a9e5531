import { y18n as _y18n } from './index.js';
import nodePlatformShim from './platform-shims/node.js';
const y18n = (opts) => {
    return _y18n(opts, nodePlatformShim);
};
export default y18n;
