-- emails_sent
SELECT
  CASE
    WHEN t.email_send_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-07'
    WHEN t.email_send_timestamp >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.hubspot__email_sends AS t
WHERE
  (
    t.email_send_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
  )
  AND NOT COALESCE(t.is_contact_deleted, FALSE)
GROUP BY
  1;

-- emails_delivered
SELECT
  CASE
    WHEN t.email_send_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-07'
    WHEN t.email_send_timestamp >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.hubspot__email_sends AS t
WHERE
  (
    t.email_send_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
  )
  AND (
    NOT COALESCE(t.is_contact_deleted, FALSE) AND t.was_delivered
  )
GROUP BY
  1;

-- unique_opens
SELECT
  CASE
    WHEN t.email_send_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-07'
    WHEN t.email_send_timestamp >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.hubspot__email_sends AS t
WHERE
  (
    t.email_send_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
  )
  AND (
    NOT COALESCE(t.is_contact_deleted, FALSE) AND t.was_opened
  )
GROUP BY
  1;

-- unique_clicks
SELECT
  CASE
    WHEN t.email_send_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-07'
    WHEN t.email_send_timestamp >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.hubspot__email_sends AS t
WHERE
  (
    t.email_send_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
  )
  AND (
    NOT COALESCE(t.is_contact_deleted, FALSE) AND t.was_clicked
  )
GROUP BY
  1;

-- bounces
SELECT
  CASE
    WHEN t.email_send_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-07'
    WHEN t.email_send_timestamp >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.hubspot__email_sends AS t
WHERE
  (
    t.email_send_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
  )
  AND (
    NOT COALESCE(t.is_contact_deleted, FALSE) AND t.was_bounced
  )
GROUP BY
  1;

-- spam_complaints
SELECT
  CASE
    WHEN t.email_send_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-07'
    WHEN t.email_send_timestamp >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.hubspot__email_sends AS t
WHERE
  (
    t.email_send_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
  )
  AND (
    NOT COALESCE(t.is_contact_deleted, FALSE) AND t.was_spam_reported
  )
GROUP BY
  1;

-- unsubscribes
SELECT
  CASE
    WHEN t.email_send_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-07'
    WHEN t.email_send_timestamp >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.hubspot__email_sends AS t
WHERE
  (
    t.email_send_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.email_send_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
  )
  AND (
    NOT COALESCE(t.is_contact_deleted, FALSE) AND t.was_unsubscribed
  )
GROUP BY
  1;

-- leads_new
SELECT
  CASE
    WHEN t.created_date >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.created_date < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-07'
    WHEN t.created_date >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    AND t.created_date < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.hubspot__contacts AS t
WHERE
  (
    t.created_date >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.created_date < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
  )
  AND NOT COALESCE(t.is_contact_deleted, FALSE)
GROUP BY
  1;

-- mqls
SELECT
  CASE
    WHEN t.valid_from >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.valid_from < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-07'
    WHEN t.valid_from >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    AND t.valid_from < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-08'
  END AS month,
  COUNT(DISTINCT t.contact_id) AS value
FROM hubspot.hubspot__contact_history AS t
WHERE
  (
    t.valid_from >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.valid_from < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
  )
  AND (
    t.field_name = 'lifecyclestage' AND t.new_value = 'marketingqualifiedlead'
  )
GROUP BY
  1;

-- sqls
SELECT
  CASE
    WHEN t.valid_from >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.valid_from < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-07'
    WHEN t.valid_from >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    AND t.valid_from < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-08'
  END AS month,
  COUNT(DISTINCT t.contact_id) AS value
FROM hubspot.hubspot__contact_history AS t
WHERE
  (
    t.valid_from >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.valid_from < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
  )
  AND (
    t.field_name = 'lifecyclestage' AND t.new_value = 'salesqualifiedlead'
  )
GROUP BY
  1;

-- customers_new
SELECT
  CASE
    WHEN t.valid_from >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.valid_from < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-07'
    WHEN t.valid_from >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    AND t.valid_from < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-08'
  END AS month,
  COUNT(DISTINCT t.contact_id) AS value
FROM hubspot.hubspot__contact_history AS t
WHERE
  (
    t.valid_from >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.valid_from < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
  )
  AND (
    t.field_name = 'lifecyclestage' AND t.new_value = 'customer'
  )
GROUP BY
  1;

-- deals_won
SELECT
  CASE
    WHEN t.closed_date >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.closed_date < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-07'
    WHEN t.closed_date >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    AND t.closed_date < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.hubspot__deals AS t
INNER JOIN hubspot.hubspot__deal_stages AS j
  ON j.deal_id = t.deal_id AND j.is_stage_active
WHERE
  (
    t.closed_date >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.closed_date < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
  )
  AND (
    NOT COALESCE(t.is_deal_deleted, FALSE)
    AND j.is_pipeline_stage_closed
    AND j.pipeline_stage_probability >= 1
  )
GROUP BY
  1;

-- revenue_won
SELECT
  CASE
    WHEN t.closed_date >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.closed_date < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-07'
    WHEN t.closed_date >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    AND t.closed_date < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-08'
  END AS month,
  SUM(t.amount) AS value
FROM hubspot.hubspot__deals AS t
INNER JOIN hubspot.hubspot__deal_stages AS j
  ON j.deal_id = t.deal_id AND j.is_stage_active
WHERE
  (
    t.closed_date >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.closed_date < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
  )
  AND (
    NOT COALESCE(t.is_deal_deleted, FALSE)
    AND j.is_pipeline_stage_closed
    AND j.pipeline_stage_probability >= 1
  )
GROUP BY
  1;

-- deals_lost
SELECT
  CASE
    WHEN t.closed_date >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.closed_date < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-07'
    WHEN t.closed_date >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP)
    AND t.closed_date < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.hubspot__deals AS t
INNER JOIN hubspot.hubspot__deal_stages AS j
  ON j.deal_id = t.deal_id AND j.is_stage_active
WHERE
  (
    t.closed_date >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP)
    AND t.closed_date < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP)
  )
  AND (
    NOT COALESCE(t.is_deal_deleted, FALSE)
    AND j.is_pipeline_stage_closed
    AND j.pipeline_stage_probability < 1
  )
GROUP BY
  1;
