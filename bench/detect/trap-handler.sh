#!/bin/sh
# snmptrapd `traphandle` for bench/detect: turns one trap into one Alertmanager-style alert POSTed to the bench's
# webhook receiver ($1), which stamps its arrival like every other page. stdin (snmptrapd -On): the host, the
# transport ("UDP: [10.N.1.12]:port->..."), then one "OID value" line per varbind. keepalived's
# vrrpInstanceStateChange carries vrrpInstanceState (.9586.100.5.2.3.1.4, 2 = master) and routerId (.9586.100.5.1.2.0).
url=$1
stamp=$(date +%s%3N)
awk -v stamp="$stamp" '
  NR == 2 && match($0, /\[[0-9.]+\]/) { from = substr($0, RSTART + 1, RLENGTH - 2) }
  NR > 2 && $1 == ".1.3.6.1.6.3.1.1.4.1.0" { trap = $2 }
  NR > 2 && index($1, ".1.3.6.1.4.1.9586.100.5.2.3.1.4") == 1 { state = $2 }
  NR > 2 && $1 == ".1.3.6.1.4.1.9586.100.5.1.2.0" { router = $2; gsub(/[^A-Za-z0-9_.-]/, "", router) }
  END {
    gsub(/[^0-9.]/, "", trap); gsub(/[^0-9]/, "", state)
    printf "{\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"SnmpTrap\",\"trap\":\"%s\",\"from\":\"%s\",\"router\":\"%s\",\"state\":\"%s\",\"handlerMs\":\"%s\"},\"fingerprint\":\"trap\",\"startsAt\":\"\"}]}\n", trap, from, router, state, stamp
  }' | curl -s -m 5 -o /dev/null -H 'content-type: application/json' --data-binary @- "$url"
