"""Outside formats into records for the write path: the spreadsheet template, Open Referral
HSDS."""
