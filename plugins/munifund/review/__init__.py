"""The finance bureau's review pack: an HTML page and an .xlsx workbook per as-of date
(`munifund.review.pack.write_review_pack`), and the bureau's decisions. Nothing is imported
here: the DAG file imports `review.approval`, and a parse must not load the pack's libraries."""
