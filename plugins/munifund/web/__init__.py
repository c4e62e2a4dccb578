"""What the finance bureau opens in a browser, served by Airflow's API server through the
munifund plugin: the review packs, the what-if pages and the published runs (`app`), the tab on
a DAG run and the nav entry (`plugin`), and the links the mail and the approval step give
(`links`)."""
