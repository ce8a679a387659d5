-- emails_sent
SELECT
  CASE
    WHEN t.activity_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.activity_timestamp < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.activity_timestamp >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.activity_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.marketo__email_sends AS t
WHERE
  t.activity_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
  AND t.activity_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
GROUP BY
  1;

-- emails_delivered
SELECT
  CASE
    WHEN t.activity_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.activity_timestamp < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.activity_timestamp >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.activity_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.marketo__email_sends AS t
WHERE
  (
    t.activity_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.activity_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND t.was_delivered
GROUP BY
  1;

-- unique_opens
SELECT
  CASE
    WHEN t.activity_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.activity_timestamp < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.activity_timestamp >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.activity_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.marketo__email_sends AS t
WHERE
  (
    t.activity_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.activity_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND t.was_opened
GROUP BY
  1;

-- unique_clicks
SELECT
  CASE
    WHEN t.activity_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.activity_timestamp < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.activity_timestamp >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.activity_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.marketo__email_sends AS t
WHERE
  (
    t.activity_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.activity_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND t.was_clicked
GROUP BY
  1;

-- bounces
SELECT
  CASE
    WHEN t.activity_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.activity_timestamp < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.activity_timestamp >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.activity_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.marketo__email_sends AS t
WHERE
  (
    t.activity_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.activity_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND t.was_bounced
GROUP BY
  1;

-- unsubscribes
SELECT
  CASE
    WHEN t.activity_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.activity_timestamp < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.activity_timestamp >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.activity_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.marketo__email_sends AS t
WHERE
  (
    t.activity_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.activity_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND t.was_unsubscribed
GROUP BY
  1;

-- emails_automated
SELECT
  CASE
    WHEN t.activity_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.activity_timestamp < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.activity_timestamp >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.activity_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.marketo__email_sends AS t
WHERE
  (
    t.activity_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.activity_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND t.campaign_type = 'trigger'
GROUP BY
  1;

-- leads_new
SELECT
  CASE
    WHEN t.created_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created_timestamp < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.created_timestamp >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.marketo__leads AS t
WHERE
  (
    t.created_timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created_timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND NOT COALESCE(t.is_deleted, FALSE)
GROUP BY
  1;
