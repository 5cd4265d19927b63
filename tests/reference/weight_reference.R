# Reference figures for tests/test_weighting_r.py, computed with R's survey package.
# Run from this folder:  Rscript weight_reference.R > weight_reference.txt
# (R 4.2.2 and survey 4.1.1 from Debian: apt-get install r-base-core r-cran-survey)
# weight_apiclus1.csv holds the columns used here of survey's own example data `apiclus1`
# (/work/shared/reference/r-survey-api/apiclus1.csv, unchanged values).
# The raking is the one in survey's tests/rakecheck.R: stype and sch.wide population margins.
suppressMessages(library(survey))
a <- read.csv("weight_apiclus1.csv", check.names = FALSE, colClasses = c(cds = "character"))
names(a) <- make.names(names(a))
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = a, fpc = ~fpc)
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
r <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide),
          control = list(maxit = 100, epsilon = 1e-13, verbose = FALSE))
m <- svymean(~api00, r)
t <- svytotal(~enroll, r)
cat(sprintf("svymean api00 = %.10f SE = %.10f\n", coef(m), SE(m)))
cat(sprintf("svytotal enroll = %.6f SE = %.6f\n", coef(t), SE(t)))
w <- weights(r)
cat(sprintf("sum of weights = %.8f\n", sum(w)))
# one raked weight per school (the weight is constant within stype x sch.wide x pw)
cat("cds,weight\n")
cat(sprintf("%s,%.15g\n", a$cds, w), sep = "")
