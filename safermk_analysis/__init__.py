"""safermk_analysis: the annual Community Safety Partnership strategic assessment from police.uk data.

Modules: ``config`` (typed YAML config), ``ingest`` (police.uk files -> tidy records),
``geography`` (LSOAs, area selection, population, IMD), ``categories`` (crime type
harmonisation), ``quality`` (what was read, kept and dropped), ``periods`` (year arithmetic),
``report`` (papermill + nbconvert).
"""
__version__ = "0.1.0"
