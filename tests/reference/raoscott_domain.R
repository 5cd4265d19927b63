# Reference figures for domain (sub-population) Rao-Scott tests (issue 15), computed with R's survey package.
# Run from this folder:  Rscript raoscott_domain.R > raoscott_domain.txt
# (R 4.2.2, survey 4.1.1 from Debian: apt-get install r-base-core r-cran-survey)
# subset(design, …) keeps the whole design in the variance: respondents outside the domain contribute zeros.
suppressMessages(library(survey))
options(digits = 12)
source("svychisq_show.R")
d <- read.csv("raoscott_weights.csv")
des <- svydesign(ids = ~1, weights = ~w, data = d)
show("domain koen==1 vejledning x lyst F", svychisq(~vejledning + lyst, subset(des, koen == 1), statistic = "F"))
show("domain koen==1 vejledning x lyst Chisq", svychisq(~vejledning + lyst, subset(des, koen == 1), statistic = "Chisq"))
show("domain tick==1 match x lyst F", svychisq(~match + lyst, subset(des, tick == 1), statistic = "F"))
show("domain tick==1 koen x lyst F", svychisq(~koen + lyst, subset(des, tick == 1), statistic = "F"))
sdes <- svydesign(ids = ~1, strata = ~koen, weights = ~w, data = d)
show("strata domain tick==1 vejledning x lyst F", svychisq(~vejledning + lyst, subset(sdes, tick == 1), statistic = "F"))
# equal weights, a domain: still not the same as treating the subset as the whole sample
ed <- svydesign(ids = ~1, weights = ~1, data = transform(d, one = 1))
show("unweighted domain koen==2 vejledning x lyst F", svychisq(~vejledning + lyst, subset(ed, koen == 2), statistic = "F"))
