// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: batches of instance adds (struct semnet_batch) and the instance
 * sets they publish once, when done; the Maglev table built only for names
 * with an mh service. Driven as netlink.c's semnet_batch_apply() drives
 * them, on a private state.
 */
#include <kunit/test.h>
#include <linux/inet.h>

static void batch_node(struct semnet_node *node)
{
	node->flow_max = 1000;
}

static int batch_init(struct kunit *test)
{
	return kt_fixture_init(test, batch_node);
}

/* Instance @i of @service: InstanceIP 172.30.1.i, nsIP 172.17.0.i (remote). */
static int bt_add(struct kt_fixture *f, struct semnet_batch *batch,
		  unsigned int i, const char *service)
{
	struct semnet_instance_cfg cfg = {
		.addr = htonl(ntohl(in_aton("172.30.1.0")) + i),
		.nsip = htonl(ntohl(in_aton("172.17.0.0")) + i),
		.service = service,
		.batch = batch,
	};

	return semnet_instance_add(&f->sn, &cfg, SEMNET_ADD_ANY, NULL);
}

static struct semnet_iset *bt_set(struct kt_fixture *f, const char *name)
{
	struct semnet_group *group = semnet_group_lookup(&f->sn, name);

	return group ? rcu_dereference_protected(group->iset, 1) : NULL;
}

/* Every instance of @name's published set is one of its instances. */
static bool bt_set_consistent(struct kt_fixture *f, const char *name)
{
	struct semnet_group *group = semnet_group_lookup(&f->sn, name);
	struct semnet_iset *iset = bt_set(f, name);
	u32 i;

	if (!group || !iset)
		return !iset;
	for (i = 0; i < iset->count; i++)
		if (iset->inst[i]->group != group || iset->inst[i]->dead)
			return false;
	return iset->count <= iset->cap;
}

/* The sets change once, at the commit; lookups see each add at once. */
static void semnet_batch_publishes_once(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_batch batch;
	struct semnet_iset *iset;
	unsigned int i;

	semnet_batch_init(&batch);
	mutex_lock(&f->sn.lock);
	for (i = 1; i <= 100; i++)
		KUNIT_ASSERT_EQ(test, bt_add(f, &batch, i, "s"), 0);
	KUNIT_EXPECT_NOT_NULL(test, semnet_instance_find(&f->sn, in_aton("172.30.1.77")));
	KUNIT_EXPECT_NULL(test, bt_set(f, "s"));
	KUNIT_EXPECT_EQ(test, semnet_group_lookup(&f->sn, "s")->n_instances, 100U);
	semnet_batch_commit(&f->sn, &batch);
	mutex_unlock(&f->sn.lock);

	iset = bt_set(f, "s");
	KUNIT_ASSERT_NOT_NULL(test, iset);
	KUNIT_EXPECT_EQ(test, iset->count, 100U);
	/* The room of the growing set is given back. */
	KUNIT_EXPECT_EQ(test, iset->cap, 100U);
	KUNIT_EXPECT_TRUE(test, bt_set_consistent(f, "s"));
	KUNIT_EXPECT_TRUE(test, list_empty(&batch.groups));

	/* A second batch grows the published set. */
	semnet_batch_init(&batch);
	mutex_lock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, bt_add(f, &batch, 101, "s"), 0);
	KUNIT_EXPECT_EQ(test, bt_set(f, "s")->count, 100U);
	semnet_batch_commit(&f->sn, &batch);
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, bt_set(f, "s")->count, 101U);
}

/*
 * A batch that moves instances between names and removes the last one
 * of a name: the removals publish at once, nothing dangles, the name that
 * emptied goes (kmemleak and KASAN watch the group the batch held).
 */
static void semnet_batch_moves_and_removes(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_batch batch;

	semnet_batch_init(&batch);
	mutex_lock(&f->sn.lock);
	KUNIT_ASSERT_EQ(test, bt_add(f, &batch, 1, "a"), 0);
	KUNIT_ASSERT_EQ(test, bt_add(f, &batch, 2, "a"), 0);
	KUNIT_ASSERT_EQ(test, bt_add(f, &batch, 3, "gone"), 0);
	/* Instance 1 becomes b's: a replace, within the batch. */
	KUNIT_ASSERT_EQ(test, bt_add(f, &batch, 1, "b"), 0);
	KUNIT_EXPECT_TRUE(test, bt_set_consistent(f, "a"));
	KUNIT_ASSERT_EQ(test, semnet_instance_del(&f->sn, in_aton("172.30.1.3"), NULL), 0);
	KUNIT_EXPECT_NULL(test, semnet_group_lookup(&f->sn, "gone"));
	semnet_batch_commit(&f->sn, &batch);
	mutex_unlock(&f->sn.lock);

	KUNIT_EXPECT_EQ(test, bt_set(f, "a")->count, 1U);
	KUNIT_EXPECT_EQ(test, bt_set(f, "b")->count, 1U);
	KUNIT_EXPECT_TRUE(test, bt_set_consistent(f, "a"));
	KUNIT_EXPECT_TRUE(test, bt_set_consistent(f, "b"));
	KUNIT_EXPECT_EQ(test, f->sn.n_instances, 2U);
}

/* The Maglev table: built for names with an mh service, and only then. */
static void semnet_batch_mh_lazy(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	const struct semnet_policy *mh = semnet_policy_find("mh");
	struct semnet_batch batch;
	struct semnet_iset *iset;
	unsigned int i;

	semnet_batch_init(&batch);
	mutex_lock(&f->sn.lock);
	KUNIT_ASSERT_EQ(test, semnet_service_add(&f->sn, in_aton("172.30.0.1"), "r",
						 NULL, SEMNET_ADD_NEW, NULL), 0);
	for (i = 1; i <= 10; i++)
		KUNIT_ASSERT_EQ(test, bt_add(f, &batch, i, "r"), 0);
	semnet_batch_commit(&f->sn, &batch);
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, bt_set(f, "r")->mh_size, 0U);

	/* An mh service on the name: the table comes with it. */
	KUNIT_ASSERT_EQ(test, kt_locked(f, semnet_service_add(&f->sn, in_aton("172.30.0.2"),
							      "r", mh, SEMNET_ADD_NEW,
							      NULL)), 0);
	iset = bt_set(f, "r");
	KUNIT_EXPECT_EQ(test, iset->mh_size, semnet_mh_size(10));
	KUNIT_EXPECT_NULL(test, iset->mh_scratch);
	KUNIT_EXPECT_EQ(test, semnet_group_lookup(&f->sn, "r")->mh_users, 1U);

	/* A batch on such a name publishes its table too, for the new count. */
	semnet_batch_init(&batch);
	mutex_lock(&f->sn.lock);
	for (i = 11; i <= 40; i++)
		KUNIT_ASSERT_EQ(test, bt_add(f, &batch, i, "r"), 0);
	semnet_batch_commit(&f->sn, &batch);
	mutex_unlock(&f->sn.lock);
	iset = bt_set(f, "r");
	KUNIT_EXPECT_EQ(test, iset->count, 40U);
	KUNIT_EXPECT_EQ(test, iset->mh_size, semnet_mh_size(40));
	for (i = 0; i < iset->mh_size; i++)
		if (iset->mh[i] >= iset->count)
			break;
	KUNIT_EXPECT_EQ(test, i, iset->mh_size);

	/* The mh service goes: no more users (the table stays until a rebuild). */
	KUNIT_ASSERT_EQ(test, kt_locked(f, semnet_service_del(&f->sn, in_aton("172.30.0.2"),
							      NULL)), 0);
	KUNIT_EXPECT_EQ(test, semnet_group_lookup(&f->sn, "r")->mh_users, 0U);
	KUNIT_ASSERT_EQ(test, kt_locked(f, semnet_instance_del(&f->sn, in_aton("172.30.1.40"),
							       NULL)), 0);
	KUNIT_EXPECT_EQ(test, bt_set(f, "r")->mh_size, 0U);
}

/* A batch with nothing in it publishes nothing. */
static void semnet_batch_empty(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_batch batch;

	semnet_batch_init(&batch);
	mutex_lock(&f->sn.lock);
	semnet_batch_commit(&f->sn, &batch);
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_TRUE(test, list_empty(&batch.groups));
	KUNIT_EXPECT_EQ(test, f->sn.n_instances, 0U);
}

static struct kunit_case semnet_batch_cases[] = {
	KUNIT_CASE(semnet_batch_publishes_once),
	KUNIT_CASE(semnet_batch_moves_and_removes),
	KUNIT_CASE(semnet_batch_mh_lazy),
	KUNIT_CASE(semnet_batch_empty),
	{}
};

KT_FIXTURE_SUITE(batch, batch_init);
