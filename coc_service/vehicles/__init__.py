"""Pure vehicle knowledge shared by the document readers, the checks and the shop: VINs,
WMIs and make names."""
