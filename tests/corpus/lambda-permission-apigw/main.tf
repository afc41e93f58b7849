resource "aws_api_gateway_rest_api" "demo" {
  name        = "DemoAPI"
  description = "An API for demonstration purposes"
}

resource "aws_lambda_permission" "api" {
  statement_id  = "AllowDemoAPIInvoke"
  action        = "lambda:InvokeFunction"
  function_name = "DemoFunction"
  principal     = "apigateway.amazonaws.com"

  # /* allows any stage, method and resource path.
  source_arn = "${aws_api_gateway_rest_api.demo.execution_arn}/*"
}
