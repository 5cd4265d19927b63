# Reference figures for HC3 robust standard errors with small-sample (t) inference (issue 15).
# Run from this folder:  Rscript hc3_reference.R > hc3_reference.txt
# (Debian: apt-get install r-base-core r-cran-sandwich r-cran-lmtest)
suppressMessages({library(sandwich); library(lmtest)})
options(digits = 15)
d <- read.csv("hc3_data.csv")
m <- lm(y ~ x1 + x2 + x3, data = d)
ct <- coeftest(m, vcov. = vcovHC(m, type = "HC3"))
cat(sprintf("df_resid=%d\n", m$df.residual))
for (i in seq_len(nrow(ct))) {
  cat(sprintf("%s estimate=%.15g se=%.15g t=%.15g p=%.15g\n", rownames(ct)[i], ct[i, 1], ct[i, 2], ct[i, 3], ct[i, 4]))
}
