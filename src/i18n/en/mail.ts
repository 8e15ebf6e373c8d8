// English texts of the mail area (part of the reference catalogue, see ../en.ts).
export const mail = {
} as const;
