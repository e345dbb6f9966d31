"""The slice provisioner: a Lambda inside the VPC that creates and drops a pull request's database, role,
RabbitMQ vhost and user on the baseline's shared instances (credentials never leave AWS)."""
