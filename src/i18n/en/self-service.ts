// English texts of the self-service area (part of the reference catalogue, see ../en.ts).
export const selfService = {
} as const;
