export { handleConvList } from "./list.ts";
export { handleConvDelete, handleConvUpdate } from "./settings.ts";
