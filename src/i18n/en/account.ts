// English texts of the account area (part of the reference catalogue, see ../en.ts).
export const account = {
} as const;
