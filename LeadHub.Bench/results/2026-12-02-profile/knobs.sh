#!/bin/bash
# Closed loop 32, instant buyers: each runtime knob against the default, alternated, twice.
NEW=/work/main/LeadHub.Bench/bin/Release/net10.0/LeadHub.Web.dll
for i in 1 2; do
  /tmp/prof/ab.sh default-$i $NEW
  /tmp/prof/ab.sh spin0-$i $NEW DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0
  /tmp/prof/ab.sh nodatas-$i $NEW DOTNET_GCDynamicAdaptationMode=0
  /tmp/prof/ab.sh wks-$i $NEW DOTNET_gcServer=0
  /tmp/prof/ab.sh wks-spin0-$i $NEW DOTNET_gcServer=0 DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0
done
