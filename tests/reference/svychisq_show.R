# Shared by raoscott_reference.R and raoscott_domain.R: print one svychisq result on one line
# (label statistic=… ndf=… ddf=… p=…), the format tests/survey/test_raoscott.py parses.
show <- function(label, t) {
  cat(sprintf("%s statistic=%.10f", label, unname(t$statistic)))
  if (!is.null(t$parameter)) cat(sprintf(" %s=%.10f", names(t$parameter), t$parameter))
  cat(sprintf(" p=%.12g\n", t$p.value))
}
