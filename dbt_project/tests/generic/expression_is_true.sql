{#
    Fails on every row where the SQL `expression` is false (rows where it is null pass).

        data_tests:
          - expression_is_true:
              arguments:
                expression: "mentions = positive + neutral + negative + unknown"
#}
{% test expression_is_true(model, expression) %}

select *

from {{ model }}

where not ({{ expression }})

{% endtest %}
