import type { TransitionKind } from "./types.js";

/** One journal MESSAGE_ID per kind of transition; packaging/ddns.catalog documents each. Never change one. */
export const MESSAGE_IDS: Record<TransitionKind, string> = {
  "record-updated": "dd8a82a646344a80bcbff908e9d1fec7",
  "record-refreshed": "fda77566253d461ab924290ca1017933",
  "push-failed": "78dec2e6e50e493ba149ef01612c83c5",
  "record-latched": "f00f0d1587ce4b43af122d1b5dc913d5",
  "record-recovered": "1b98b0a22f594683be1f85650926a84e",
  "state-reset": "905548d3f18843408415223d8272b28b",
  "event-refused": "03283807b5714a358b3a8f52255c6a2e",
  "push-received": "cb66995f37fe44e190366b0f74a98795",
  "record-repaired": "e1404848c3ae4fb3a3577b987901fef0",
  "behind-nat": "4e1c7d0a9b2f4a6c8d35f0e6b7a91c24",
  "nat-cleared": "a7f3b95e12d84c0f9e6a2b7c5d4e8f13",
  "config-warning": "87a13063c6b54b8499dc447dbe0e89d8",
};
