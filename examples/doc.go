// Package examples holds example configuration files, not code: demo.yaml (make demo),
// compose.yaml (docker-compose.yml), pgdynamo.yaml (every key, commented) and Grafana
// provisioning under grafana/. Its test parses every example with the config package, so
// an example that falls out of step with the configuration format fails `make test`.
package examples
