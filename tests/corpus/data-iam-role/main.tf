data "aws_iam_role" "example" {
  name = "an_example_role_name"
}

output "role_arn" {
  value = data.aws_iam_role.example.arn
}
