"""The MJ文字情報一覧表 and MJ縮退マップ as a compact table (``mj.tsv.gz``), built by
``scripts/build_mj_table.py``; licence and attribution beside it (CC BY-SA 2.1 JP)."""
