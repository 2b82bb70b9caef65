// Node `import` (dist/index.mjs): re-exports the CommonJS entry — one facade, one wasm instance, one set
// of classes. scripts/build.mjs fills `__EXPORTS__` with every name index.cjs exports.
import api from "./index.cjs";
export const { __EXPORTS__ } = api;
export default api;
